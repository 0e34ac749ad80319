"""`ioc intake http`: the portal and the SOC's case tool post events over HTTP.

``auth`` checks bearer tokens, ``items`` splits and judges a body item by item (pure), and
``server`` is the aiohttp shell that answers only after the broker acknowledged.
"""
