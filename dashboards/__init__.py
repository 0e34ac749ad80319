"""Grafana dashboards as code: definitions (boards/, one module per dashboard), JSON model
(model.py), generation and checks (build.py), upload to an existing Grafana (push.py), a
picture of the wall (render.py)."""
