-- Favourites, and a landlord taking a house down (models/favourite.py, Houses.take_down).
--
-- A house taken down keeps its row, since its orders keep pointing at it (fk_order_house); it
-- is gone from every public place: the search, its counts, the home page, the detail and the
-- favourites. `listed` leads every sort index, so a search walks the listed houses alone and
-- never reads, let alone skips, a taken-down one (measured in README, "Houses").
--
-- The search's counts (0007) count listed houses only: taking a house down subtracts it from
-- ih_search_rule (trigger below). It holds no night by then, since the takedown refuses a house
-- with an active order and deletes its other held nights (blocked ones) first, and a house
-- taken down can hold none again (ih_booked_night_listed).

ALTER TABLE ih_house
    ADD COLUMN listed TINYINT(1) NOT NULL DEFAULT 1 COMMENT '0: taken down by its landlord' AFTER index_image,
    ADD COLUMN taken_down_at DATETIME NULL COMMENT 'UTC' AFTER listed,
    -- each with the stay rule and the filters' columns (0015); the price indexes, also read by a
    -- filtered count, carry them all
    DROP KEY idx_house_area_new,
    ADD KEY idx_house_area_new (listed, area_id, created_at, id, min_days, max_days, price, capacity, facility_bits),
    DROP KEY idx_house_area_booking,
    ADD KEY idx_house_area_booking (listed, area_id, order_count, id, min_days, max_days, price, capacity, facility_bits),
    DROP KEY idx_house_area_price,
    ADD KEY idx_house_area_price (listed, area_id, price, id, min_days, max_days, capacity, facility_bits),
    DROP KEY idx_house_area_rating,
    ADD KEY idx_house_area_rating (listed, area_id, rating, id, min_days, max_days, price, capacity, facility_bits),
    DROP KEY idx_house_new,
    ADD KEY idx_house_new (listed, created_at, id, min_days, max_days, price, capacity, facility_bits),
    DROP KEY idx_house_booking,
    ADD KEY idx_house_booking (listed, order_count, id, min_days, max_days, price, capacity, facility_bits),
    DROP KEY idx_house_price,
    ADD KEY idx_house_price (listed, price, id, min_days, max_days, capacity, facility_bits),
    DROP KEY idx_house_rating,
    ADD KEY idx_house_rating (listed, rating, id, min_days, max_days, price, capacity, facility_bits);

CREATE TABLE ih_favourite (
    user_id    INT UNSIGNED NOT NULL,
    house_id   INT UNSIGNED NOT NULL,
    created_at DATETIME(6)  NOT NULL DEFAULT UTC_TIMESTAMP(6),
    PRIMARY KEY (user_id, house_id),
    -- a user's favourites newest first, a page at a time
    KEY idx_favourite_user_new (user_id, created_at, house_id),
    KEY idx_favourite_house (house_id),
    CONSTRAINT fk_favourite_user FOREIGN KEY (user_id) REFERENCES ih_user (id) ON DELETE CASCADE,
    CONSTRAINT fk_favourite_house FOREIGN KEY (house_id) REFERENCES ih_house (id) ON DELETE CASCADE
) ENGINE=InnoDB;

DROP PROCEDURE ih_search_index_rebuild;
DROP TRIGGER ih_house_counted;
DROP TRIGGER ih_house_uncounted;

DELIMITER $$

-- 0007's, counting listed houses only.
CREATE PROCEDURE ih_search_index_rebuild()
BEGIN
    START TRANSACTION;
    DELETE FROM ih_search_rule;
    INSERT INTO ih_search_rule (area_id, min_days, max_days, houses)
        SELECT area_id, min_days, max_days, COUNT(*) FROM ih_house WHERE listed
        GROUP BY area_id, min_days, max_days;
    DELETE FROM ih_search_night;
    DELETE FROM ih_search_gap;
    INSERT INTO ih_search_night (night, area_id, min_days, max_days, booked, starts)
        SELECT held.night, held.area_id, h.min_days, h.max_days, COUNT(*),
               SUM(held.previous IS NULL OR held.previous < held.night - INTERVAL 1 DAY)
        FROM (SELECT house_id, area_id, night,
                     LAG(night) OVER (PARTITION BY house_id ORDER BY night) AS previous
              FROM ih_booked_night) held
        JOIN ih_house h ON h.id = held.house_id
        GROUP BY held.night, held.area_id, h.min_days, h.max_days;
    INSERT INTO ih_search_gap (night, nights, area_id, min_days, max_days, gaps)
        SELECT held.night + INTERVAL 1 DAY, DATEDIFF(held.following, held.night) - 1,
               held.area_id, h.min_days, h.max_days, COUNT(*)
        FROM (SELECT house_id, area_id, night,
                     LEAD(night) OVER (PARTITION BY house_id ORDER BY night) AS following
              FROM ih_booked_night) held
        JOIN ih_house h ON h.id = held.house_id
        WHERE held.following > held.night + INTERVAL 1 DAY
        GROUP BY held.night, DATEDIFF(held.following, held.night), held.area_id, h.min_days, h.max_days;
    COMMIT;
END$$

CREATE TRIGGER ih_house_counted AFTER INSERT ON ih_house FOR EACH ROW
BEGIN
    IF @ih_bulk_load IS NULL AND NEW.listed THEN
        INSERT INTO ih_search_rule (area_id, min_days, max_days, houses)
            VALUES (NEW.area_id, NEW.min_days, NEW.max_days, 1)
            ON DUPLICATE KEY UPDATE houses = houses + 1;
    END IF;
END$$

-- A house is listed again only by hand: it is counted again all the same.
CREATE TRIGGER ih_house_listing_counted AFTER UPDATE ON ih_house FOR EACH ROW
BEGIN
    IF @ih_bulk_load IS NULL AND NEW.listed <> OLD.listed THEN
        INSERT INTO ih_search_rule (area_id, min_days, max_days, houses)
            VALUES (NEW.area_id, NEW.min_days, NEW.max_days, IF(NEW.listed, 1, -1))
            ON DUPLICATE KEY UPDATE houses = houses + VALUES(houses);
    END IF;
END$$

-- 0007's: a foreign key's cascade fires no trigger, so a house's held nights go first.
CREATE TRIGGER ih_house_uncounted BEFORE DELETE ON ih_house FOR EACH ROW
BEGIN
    IF @ih_bulk_load IS NULL THEN
        DELETE FROM ih_booked_night WHERE house_id = OLD.id;
        IF OLD.listed THEN
            UPDATE ih_search_rule SET houses = houses - 1
                WHERE area_id = OLD.area_id AND min_days = OLD.min_days AND max_days = OLD.max_days;
        END IF;
    END IF;
END$$

-- The counts file a held night under its house's stay rule among the listed houses: a house
-- taken down holds none (a booking or a blocked night of it is refused before this).
CREATE TRIGGER ih_booked_night_listed BEFORE INSERT ON ih_booked_night FOR EACH ROW
BEGIN
    IF NOT (SELECT listed FROM ih_house WHERE id = NEW.house_id) THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'ih_booked_night: the house is taken down (0016)';
    END IF;
END$$

DELIMITER ;

CALL ih_search_index_rebuild();
