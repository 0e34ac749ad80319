"""Simulators of the three sources, scenario injection and the ground truth of what was sent."""

from ioc.simulate.generator import Emitted, Simulator
from ioc.simulate.profile import Scenario, ScenarioFile, load_scenarios
from ioc.simulate.truth import GroundTruth

__all__ = ["Emitted", "GroundTruth", "Scenario", "ScenarioFile", "Simulator", "load_scenarios"]
