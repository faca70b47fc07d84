"""Gap analysis for planners: ``/admin/kesenjangan``, the regencies and cities with no
suitable service for a problem within a chosen distance, on a map, as a table and as CSV."""
