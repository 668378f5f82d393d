"""CSV exports: request one, follow its progress, download the file."""
