"""PortOne 본인인증 (Korean identity verification) for Django."""

__version__ = "0.1.0"
