"""minikube-py: a Kubernetes control plane inside one Python process.

This package holds the kernel every other package speaks (objects, selectors, patches, errors,
the clock, the ``Client`` protocol, informers) and, later, the assembly that composes a cluster.
"""
