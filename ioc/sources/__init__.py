"""Real sources: programs that publish the event contracts from a province's own systems
(the uptime prober, the Wazuh intake, the HTTP intake), beside the simulator."""
