"""End-to-end checks: a real server, a browser, a gateway, the code generator."""
