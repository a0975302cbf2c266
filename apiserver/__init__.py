"""The API server: storage (an in-memory etcd), and on top of it the registry, admission, auth and
the HTTP front -- one request path for every client."""
