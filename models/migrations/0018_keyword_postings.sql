-- The keyword search's index: which houses hold which two-character pieces of text, so that a
-- keyword's houses are found from its pieces rather than by reading every house (0015's
-- `LIKE '%…%'` alone read every row of the district: 12-17 s at a million houses).
--
-- ih_house_gram holds, for each house, every distinct SUBSTRING(text, i, 2), i = 1 .. length,
-- of LOWER(title) and of LOWER(address): each bigram, and the text's last character alone,
-- under the house's district (which never changes, 0007), so that a search in a district reads
-- that district's postings alone. A
-- house whose title or address contains a keyword of two characters or more therefore holds
-- each of the keyword's bigrams; one of one character, x, is in a text exactly when a gram of
-- it begins with x (the range `gram LIKE 'x%'`). The grams are a necessary condition only: the
-- search checks the candidates with the same LIKE as before (models/house.py).
--
-- `gram` has the collation of title and address, so that a keyword's piece equals a house's
-- wherever LIKE matched them character by character (Latin case, accents; lower-cased both
-- sides only to store one spelling). Grams the collation deems equal (padding spaces,
-- expansions such as ß = ss) are stored once and only add candidates, which the LIKE drops.
--
-- The postings cover every house, taken down or not: the search reads each candidate's row
-- anyway (listed, district, stay rule, filters, LIKE), and a takedown then changes nothing here.
-- They are written by triggers on ih_house in the transaction that inserts, changes or deletes
-- a house. A bulk loader that sets `@ih_bulk_load = 1` (0007) calls ih_house_gram_rebuild()
-- once its rows are committed.

CREATE TABLE ih_house_gram (
    gram     VARCHAR(2) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
    area_id  INT UNSIGNED NOT NULL,
    house_id INT UNSIGNED NOT NULL,
    PRIMARY KEY (gram, area_id, house_id)
) ENGINE=InnoDB;

DELIMITER $$

-- A loop, one statement a character: a house is published one at a time.
CREATE PROCEDURE ih_house_gram_post(house INT UNSIGNED, area INT UNSIGNED, text VARCHAR(512) CHARACTER SET utf8mb4)
BEGIN
    DECLARE lowered VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci DEFAULT LOWER(text);
    DECLARE i INT DEFAULT 1;
    WHILE i <= CHAR_LENGTH(lowered) DO
        INSERT INTO ih_house_gram (gram, area_id, house_id) VALUES (SUBSTRING(lowered, i, 2), area, house)
            ON DUPLICATE KEY UPDATE house_id = house_id;
        SET i = i + 1;
    END WHILE;
END$$

-- The grams of the house's title and address both: both are being replaced or deleted.
CREATE PROCEDURE ih_house_gram_unpost(house INT UNSIGNED, area INT UNSIGNED, text VARCHAR(512) CHARACTER SET utf8mb4)
BEGIN
    DECLARE lowered VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci DEFAULT LOWER(text);
    DECLARE i INT DEFAULT 1;
    WHILE i <= CHAR_LENGTH(lowered) DO
        DELETE FROM ih_house_gram WHERE gram = SUBSTRING(lowered, i, 2) AND area_id = area AND house_id = house;
        SET i = i + 1;
    END WHILE;
END$$

-- Set-based, in the primary key's order (inserting 10^7 rows or more at random places would
-- thrash a buffer pool smaller than the table); idempotent: a second call changes nothing.
-- A gram repeated in a text, or in title and address, is a duplicate key, not a warning.
CREATE PROCEDURE ih_house_gram_rebuild()
BEGIN
    DELETE g FROM ih_house_gram g LEFT JOIN ih_house h ON h.id = g.house_id WHERE h.id IS NULL;
    INSERT INTO ih_house_gram (gram, area_id, house_id)
        SELECT gram, area_id, house_id FROM (
            SELECT LOWER(SUBSTRING(h.title, s.seq, 2)) AS gram, h.area_id, h.id AS house_id
                FROM ih_house h JOIN seq_1_to_64 s ON s.seq <= CHAR_LENGTH(h.title)
            UNION ALL
            SELECT LOWER(SUBSTRING(h.address, s.seq, 2)), h.area_id, h.id
                FROM ih_house h JOIN seq_1_to_512 s ON s.seq <= CHAR_LENGTH(h.address)) grams
        ORDER BY gram, area_id, house_id
        ON DUPLICATE KEY UPDATE house_id = ih_house_gram.house_id;
END$$

CREATE TRIGGER ih_house_gram_posted AFTER INSERT ON ih_house FOR EACH ROW
BEGIN
    IF @ih_bulk_load IS NULL THEN
        CALL ih_house_gram_post(NEW.id, NEW.area_id, NEW.title);
        CALL ih_house_gram_post(NEW.id, NEW.area_id, NEW.address);
    END IF;
END$$

-- No API changes a house's text after publishing; a change by hand is indexed all the same.
CREATE TRIGGER ih_house_gram_reposted AFTER UPDATE ON ih_house FOR EACH ROW
BEGIN
    IF @ih_bulk_load IS NULL AND (BINARY NEW.title <> BINARY OLD.title OR BINARY NEW.address <> BINARY OLD.address) THEN
        CALL ih_house_gram_unpost(OLD.id, OLD.area_id, OLD.title);
        CALL ih_house_gram_unpost(OLD.id, OLD.area_id, OLD.address);
        CALL ih_house_gram_post(NEW.id, NEW.area_id, NEW.title);
        CALL ih_house_gram_post(NEW.id, NEW.area_id, NEW.address);
    END IF;
END$$

CREATE TRIGGER ih_house_gram_unposted AFTER DELETE ON ih_house FOR EACH ROW
BEGIN
    IF @ih_bulk_load IS NULL THEN
        CALL ih_house_gram_unpost(OLD.id, OLD.area_id, OLD.title);
        CALL ih_house_gram_unpost(OLD.id, OLD.area_id, OLD.address);
    END IF;
END$$

DELIMITER ;

CALL ih_house_gram_rebuild();
