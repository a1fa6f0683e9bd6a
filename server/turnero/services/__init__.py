"""One function per use case; every door (REST, Socket.IO, pages, SMS, voice) calls these."""
