"""Demo data, outside the API package: `contacts-admin seed` and `make run`'s demo workspace use it,
and the seed benchmark measures it. Nothing in the services imports it."""
