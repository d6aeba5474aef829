"""The API's write statements, one module per domain, run inside a unit of work
(db.session.Transaction; graph.writes opens it). Reads stay in db.queries."""
