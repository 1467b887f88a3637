"""The service's routes, by area: public documents, VC-API, vehicles, marks, administration."""
