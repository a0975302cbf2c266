"""The request pipeline: one entry point for every verb, whoever is asking.

The HTTP front and the in-process client both build a :class:`~apiserver.endpoints.request.Request`
and hand it to :class:`~apiserver.endpoints.server.APIServer`; nothing reaches a registry store
any other way.
"""
