"""The HTTP API: Okta-compatible `/api/v1/logs` (read and ingest), tokens and roles, console sessions.

`create_app(log, settings)` (app.py) builds the ASGI app; `register(app)` (cli.py) adds `serve`, `org` and
`token` to the `glasslog` command.
"""
