"""kubectl-lite: the command-line client users type, talking HTTP to a running emulator."""
