-- The search's "free on every night from sd to ed" test. MariaDB answers NOT EXISTS over a date
-- range by collecting the houses booked in that range once; with the primary key alone
-- (house_id, night) that read every booked night of every house. At 100,000 houses this index
-- made the first page of a dated search about 5x faster (25 ms -> 5 ms).
ALTER TABLE ih_booked_night ADD KEY idx_booked_night_night (night, house_id);
