"""The HTTP API and the web application's server: FastAPI, a router per resource, one policy for every
route."""
