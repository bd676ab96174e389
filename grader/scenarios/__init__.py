"""The scenarios: each drives a server process of its own and records what it saw.

They run side by side (grader.runner); the main conversation first, so a server that does not start
is known early. grader.checks judges what they recorded.
"""
from .apart import BusyScenario, DisconnectScenario, SilentScenario, SlowScenario
from .base import Scenario, Tokens
from .main import MainScenario

SCENARIOS: list[type[Scenario]] = [MainScenario, DisconnectScenario, BusyScenario, SilentScenario, SlowScenario]

__all__ = ["SCENARIOS", "Scenario", "Tokens", "MainScenario", "DisconnectScenario", "BusyScenario",
           "SilentScenario", "SlowScenario"]
