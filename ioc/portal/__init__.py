"""The national portal's own published Decision 766 figures, imported to be compared with
the stream's (docs/kpis.md, "A check against the portal")."""

from ioc.portal.scores import PortalScore, parse_scores, to_message

__all__ = ["PortalScore", "parse_scores", "to_message"]
