-- The uncached search with a district and dates, measured at 100,000 houses (docs/performance.md):
-- its COUNT(*) took 18 ms, reading every house row of the district for min_days/max_days and
-- materialising the booked nights of every district. A covering index on the stay rules and the
-- district on each booked night bring it to about 2 ms.
--
-- ih_booked_night.area_id copies its house's district: a house never changes district (no API
-- moves one); one that ever does must update its booked nights in the same transaction.

ALTER TABLE ih_house ADD KEY idx_house_area_stay (area_id, min_days, max_days);

ALTER TABLE ih_booked_night ADD COLUMN area_id INT UNSIGNED NULL AFTER night;

UPDATE ih_booked_night n JOIN ih_house h ON h.id = n.house_id SET n.area_id = h.area_id;

ALTER TABLE ih_booked_night
    MODIFY area_id INT UNSIGNED NOT NULL,
    ADD KEY idx_booked_night_area (area_id, night, house_id),
    ADD CONSTRAINT fk_booked_night_area FOREIGN KEY (area_id) REFERENCES ih_area (id);
