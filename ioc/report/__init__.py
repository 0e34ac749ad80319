"""`ioc report`: the weekly or monthly report for the provincial leadership, from Prometheus.

``period`` says which days (pure), ``collect`` asks Prometheus for the figures, ``render``
writes them as bilingual HTML with charts (pure), ``pdf`` prints that with WeasyPrint.
"""
