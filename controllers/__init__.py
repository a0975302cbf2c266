"""Control loops: the controller runtime and the built-in controllers, scheduler and simulated
kubelets. They reach the API server only through the kernel's ``Client``."""
