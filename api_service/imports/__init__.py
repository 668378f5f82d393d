"""CSV imports: upload a file with a column mapping, follow the job, read or download its errors."""
