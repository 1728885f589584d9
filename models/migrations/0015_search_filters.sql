-- The search's filters (price, capacity, facilities, keyword) without reading house rows.
--
-- ih_house.facility_bits holds a house's facilities as bits, bit f for facility id f, so that
-- "has all of the chosen facilities" is `facility_bits & mask = mask`, a check on the house's
-- own row (or index entry) rather than one probe of ih_house_facility per chosen facility.
-- Facility ids are therefore 1 to 63 (0002 has 1 to 23).
--
-- The bits are kept by triggers on ih_house_facility, in the transaction that changes it. A
-- bulk loader that sets `@ih_bulk_load = 1` (see 0007) sets them itself, or calls
-- ih_house_facility_bits_rebuild() once its rows are committed.

ALTER TABLE ih_facility ADD CONSTRAINT ck_facility_bit CHECK (id BETWEEN 1 AND 63);

-- The sort indexes carry the filters' columns too, so that the page's walk checks price,
-- capacity and facilities on the index entry and reads a house's row only for a keyword; 0016,
-- which makes `listed` lead them, gives them their shape.
ALTER TABLE ih_house
    ADD COLUMN facility_bits BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'bit f: has facility f' AFTER max_days;

DELIMITER $$

-- updated_at is set to itself: filling the bits changes no listing.
CREATE PROCEDURE ih_house_facility_bits_rebuild()
BEGIN
    UPDATE ih_house h
        LEFT JOIN (SELECT house_id, BIT_OR(1 << facility_id) AS bits FROM ih_house_facility
                   GROUP BY house_id) f ON f.house_id = h.id
        SET h.facility_bits = COALESCE(f.bits, 0), h.updated_at = h.updated_at
        WHERE h.facility_bits <> COALESCE(f.bits, 0);
END$$

CREATE TRIGGER ih_house_facility_counted AFTER INSERT ON ih_house_facility FOR EACH ROW
BEGIN
    IF @ih_bulk_load IS NULL THEN
        UPDATE ih_house SET facility_bits = facility_bits | (1 << NEW.facility_id)
            WHERE id = NEW.house_id;
    END IF;
END$$

-- A house's deletion cascades to its facilities without firing this: its row is gone anyway.
CREATE TRIGGER ih_house_facility_uncounted AFTER DELETE ON ih_house_facility FOR EACH ROW
BEGIN
    IF @ih_bulk_load IS NULL THEN
        UPDATE ih_house SET facility_bits = facility_bits & ~(1 << OLD.facility_id)
            WHERE id = OLD.house_id;
    END IF;
END$$

CREATE TRIGGER ih_house_facility_kept BEFORE UPDATE ON ih_house_facility FOR EACH ROW
BEGIN
    IF NEW.house_id <> OLD.house_id OR NEW.facility_id <> OLD.facility_id THEN
        SIGNAL SQLSTATE '45000'
            SET MESSAGE_TEXT = 'ih_house_facility: delete and insert a facility, do not move it (0015)';
    END IF;
END$$

DELIMITER ;

CALL ih_house_facility_bits_rebuild();
