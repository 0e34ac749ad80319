"""`ioc intake wazuh`: SOC alerts from a Wazuh manager's ``alerts.json``.

``mapping`` turns one alert line into a SocAlert (pure), ``follow`` reads the file's new
complete lines across rotation and truncation, ``checkpoint`` keeps the position that the
broker acknowledged, and ``program`` runs them.
"""
