-- A search's number of pages without reading every house (search at 1,000,000 houses).
--
-- The houses free on every night first..last of a stay of d nights are the houses whose stay
-- rule admits d, less those with a night in first..last held. Each is a sum over small tables,
-- kept by triggers in the same transaction as the change they count, per district and stay
-- rule (min_days, max_days):
--
-- ih_search_rule: the houses.
-- ih_search_night: per night, `booked`, the houses with that night held, and `starts`, those of
--   them whose previous night is not held: where a run of held nights begins.
-- ih_search_gap: the free stretches between two held nights of a house, by first free night
--   and length.
--
-- A house with held nights in first..last has k runs of them there, with k - 1 stretches free
-- between them, all inside the range. So
--   houses with a held night in first..last
--     = booked(first) + starts(first+1 .. last)              (the runs in the range)
--     - gaps beginning after first and ending before last     (counted once per house)
-- The cost is a few rows per night, district and stay rule, whatever the number of houses.
--
-- The triggers read the house's neighbouring held nights, so every change of a house's held
-- nights runs under that house's row lock (SELECT ... FOR UPDATE on ih_house, in an earlier
-- statement) at READ COMMITTED, where each statement reads what is committed when it starts:
-- see models/order.py. A held night is inserted and deleted, never moved.
--
-- A bulk loader sets `@ih_bulk_load = 1` in its session (the triggers then leave the counts
-- alone) and calls ih_search_index_rebuild() once its rows are committed. At every start the
-- server compares the totals with the tables and rebuilds when they differ (models/migrate.py).

CREATE TABLE ih_search_rule (
    area_id  INT UNSIGNED      NOT NULL,
    min_days SMALLINT UNSIGNED NOT NULL,
    max_days SMALLINT UNSIGNED NOT NULL,
    houses   INT               NOT NULL,
    PRIMARY KEY (area_id, min_days, max_days)
) ENGINE=InnoDB;

CREATE TABLE ih_search_night (
    night    DATE              NOT NULL,
    area_id  INT UNSIGNED      NOT NULL,
    min_days SMALLINT UNSIGNED NOT NULL,
    max_days SMALLINT UNSIGNED NOT NULL,
    booked   INT               NOT NULL,
    starts   INT               NOT NULL,
    PRIMARY KEY (night, area_id, min_days, max_days)
) ENGINE=InnoDB;

CREATE TABLE ih_search_gap (
    night    DATE              NOT NULL COMMENT 'the first free night',
    nights   SMALLINT UNSIGNED NOT NULL COMMENT 'how many free nights',
    area_id  INT UNSIGNED      NOT NULL,
    min_days SMALLINT UNSIGNED NOT NULL,
    max_days SMALLINT UNSIGNED NOT NULL,
    gaps     INT               NOT NULL,
    PRIMARY KEY (night, nights, area_id, min_days, max_days)
) ENGINE=InnoDB;

-- The page itself walks a sort order's index until it has the page; with the stay rule in the
-- index, each house it passes costs one probe of ih_booked_night and no read of its row.
ALTER TABLE ih_house
    DROP KEY idx_house_area_new, ADD KEY idx_house_area_new (area_id, created_at, id, min_days, max_days),
    DROP KEY idx_house_area_booking, ADD KEY idx_house_area_booking (area_id, order_count, id, min_days, max_days),
    DROP KEY idx_house_area_price, ADD KEY idx_house_area_price (area_id, price, id, min_days, max_days),
    DROP KEY idx_house_new, ADD KEY idx_house_new (created_at, id, min_days, max_days),
    DROP KEY idx_house_booking, ADD KEY idx_house_booking (order_count, id, min_days, max_days),
    DROP KEY idx_house_price, ADD KEY idx_house_price (price, id, min_days, max_days);

DELIMITER $$

-- One transaction of its own (it commits what its caller had open): searches meanwhile read
-- the counts as they were, and the changes it waits for are counted after it.
CREATE PROCEDURE ih_search_index_rebuild()
BEGIN
    START TRANSACTION;
    DELETE FROM ih_search_rule;
    INSERT INTO ih_search_rule (area_id, min_days, max_days, houses)
        SELECT area_id, min_days, max_days, COUNT(*) FROM ih_house GROUP BY area_id, min_days, max_days;
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

CREATE PROCEDURE ih_search_gap_add(first_free DATE, free_nights INT, area INT UNSIGNED,
                                   stay_min SMALLINT UNSIGNED, stay_max SMALLINT UNSIGNED, change_by INT)
BEGIN
    INSERT INTO ih_search_gap (night, nights, area_id, min_days, max_days, gaps)
        VALUES (first_free, free_nights, area, stay_min, stay_max, change_by)
        ON DUPLICATE KEY UPDATE gaps = gaps + change_by;
END$$

CREATE TRIGGER ih_house_counted AFTER INSERT ON ih_house FOR EACH ROW
BEGIN
    IF @ih_bulk_load IS NULL THEN
        INSERT INTO ih_search_rule (area_id, min_days, max_days, houses)
            VALUES (NEW.area_id, NEW.min_days, NEW.max_days, 1)
            ON DUPLICATE KEY UPDATE houses = houses + 1;
    END IF;
END$$

-- The counts file a house under its district and stay rule for good: no API changes them, and
-- one that ever does must move the house's counts in the same transaction.
CREATE TRIGGER ih_house_rule_kept BEFORE UPDATE ON ih_house FOR EACH ROW
BEGIN
    IF NEW.area_id <> OLD.area_id OR NEW.min_days <> OLD.min_days OR NEW.max_days <> OLD.max_days THEN
        SIGNAL SQLSTATE '45000'
            SET MESSAGE_TEXT = 'ih_house: area_id, min_days and max_days are counted by the search (0007)';
    END IF;
END$$

-- A foreign key's cascade fires no trigger: a house's held nights go first, through theirs.
CREATE TRIGGER ih_house_uncounted BEFORE DELETE ON ih_house FOR EACH ROW
BEGIN
    IF @ih_bulk_load IS NULL THEN
        DELETE FROM ih_booked_night WHERE house_id = OLD.id;
        UPDATE ih_search_rule SET houses = houses - 1
            WHERE area_id = OLD.area_id AND min_days = OLD.min_days AND max_days = OLD.max_days;
    END IF;
END$$

CREATE TRIGGER ih_booked_night_kept BEFORE UPDATE ON ih_booked_night FOR EACH ROW
BEGIN
    IF NEW.house_id <> OLD.house_id OR NEW.night <> OLD.night OR NEW.area_id <> OLD.area_id THEN
        SIGNAL SQLSTATE '45000'
            SET MESSAGE_TEXT = 'ih_booked_night: delete and insert a held night, do not move it (0007)';
    END IF;
END$$

-- A night n of a house becomes held. `previous` and `following` are its nearest held nights.
CREATE TRIGGER ih_booked_night_counted AFTER INSERT ON ih_booked_night FOR EACH ROW
BEGIN
    DECLARE stay_min, stay_max SMALLINT UNSIGNED;
    DECLARE previous, following DATE;
    IF @ih_bulk_load IS NULL THEN
        SELECT min_days, max_days INTO stay_min, stay_max FROM ih_house WHERE id = NEW.house_id;
        SELECT MAX(night) INTO previous FROM ih_booked_night WHERE house_id = NEW.house_id AND night < NEW.night;
        SELECT MIN(night) INTO following FROM ih_booked_night WHERE house_id = NEW.house_id AND night > NEW.night;
        INSERT INTO ih_search_night (night, area_id, min_days, max_days, booked, starts)
            VALUES (NEW.night, NEW.area_id, stay_min, stay_max, 1,
                    previous IS NULL OR previous < NEW.night - INTERVAL 1 DAY)
            ON DUPLICATE KEY UPDATE booked = booked + 1, starts = starts + VALUES(starts);
        IF following = NEW.night + INTERVAL 1 DAY THEN  -- that run now begins at n
            UPDATE ih_search_night SET starts = starts - 1
                WHERE night = following AND area_id = NEW.area_id AND min_days = stay_min AND max_days = stay_max;
        END IF;
        -- n splits the free stretch it was in, if it was between two held nights
        IF previous IS NOT NULL AND following IS NOT NULL THEN
            CALL ih_search_gap_add(previous + INTERVAL 1 DAY, DATEDIFF(following, previous) - 1,
                                   NEW.area_id, stay_min, stay_max, -1);
        END IF;
        IF previous < NEW.night - INTERVAL 1 DAY THEN
            CALL ih_search_gap_add(previous + INTERVAL 1 DAY, DATEDIFF(NEW.night, previous) - 1,
                                   NEW.area_id, stay_min, stay_max, 1);
        END IF;
        IF following > NEW.night + INTERVAL 1 DAY THEN
            CALL ih_search_gap_add(NEW.night + INTERVAL 1 DAY, DATEDIFF(following, NEW.night) - 1,
                                   NEW.area_id, stay_min, stay_max, 1);
        END IF;
    END IF;
END$$

-- The reverse: night n of a house is free again.
CREATE TRIGGER ih_booked_night_uncounted AFTER DELETE ON ih_booked_night FOR EACH ROW
BEGIN
    DECLARE stay_min, stay_max SMALLINT UNSIGNED;
    DECLARE previous, following DATE;
    IF @ih_bulk_load IS NULL THEN
        SELECT min_days, max_days INTO stay_min, stay_max FROM ih_house WHERE id = OLD.house_id;
        SELECT MAX(night) INTO previous FROM ih_booked_night WHERE house_id = OLD.house_id AND night < OLD.night;
        SELECT MIN(night) INTO following FROM ih_booked_night WHERE house_id = OLD.house_id AND night > OLD.night;
        UPDATE ih_search_night
            SET booked = booked - 1, starts = starts - (previous IS NULL OR previous < OLD.night - INTERVAL 1 DAY)
            WHERE night = OLD.night AND area_id = OLD.area_id AND min_days = stay_min AND max_days = stay_max;
        IF following = OLD.night + INTERVAL 1 DAY THEN  -- that run now begins after n
            UPDATE ih_search_night SET starts = starts + 1
                WHERE night = following AND area_id = OLD.area_id AND min_days = stay_min AND max_days = stay_max;
        END IF;
        IF previous < OLD.night - INTERVAL 1 DAY THEN
            CALL ih_search_gap_add(previous + INTERVAL 1 DAY, DATEDIFF(OLD.night, previous) - 1,
                                   OLD.area_id, stay_min, stay_max, -1);
        END IF;
        IF following > OLD.night + INTERVAL 1 DAY THEN
            CALL ih_search_gap_add(OLD.night + INTERVAL 1 DAY, DATEDIFF(following, OLD.night) - 1,
                                   OLD.area_id, stay_min, stay_max, -1);
        END IF;
        -- the stretches on both sides of n become one
        IF previous IS NOT NULL AND following IS NOT NULL THEN
            CALL ih_search_gap_add(previous + INTERVAL 1 DAY, DATEDIFF(following, previous) - 1,
                                   OLD.area_id, stay_min, stay_max, 1);
        END IF;
    END IF;
END$$

DELIMITER ;

CALL ih_search_index_rebuild();
