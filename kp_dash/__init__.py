"""KP Digital Inclusion Dashboard: uptake of health and education e-services against access."""

__version__ = "0.1.0"
