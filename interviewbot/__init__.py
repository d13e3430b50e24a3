"""interviewbot: interview practice for Customer Service Director roles."""

__version__ = "0.1.0"
