"""A local emulator of Microsoft Graph and the Microsoft identity platform, for tests and the demo."""

from .server import Emulator

__all__ = ["Emulator"]
