-- Reviews carry 1-5 stars, the landlord may answer each once, and the search sorts by rating.
--
-- A review stays on its order (one stay, one review): the order's status machine (3 → 4 under
-- the order's row lock, models/order.py) already refuses a second one, whoever races. `stars`
-- is NULL for a review sent without them (the original clients): shown, counted in no average.
-- `commented_at` starts the author's 7 days to edit (models/review.py).
ALTER TABLE ih_order
    ADD COLUMN stars        TINYINT UNSIGNED NULL COMMENT '1-5; NULL: a review without stars, or none yet' AFTER comment,
    ADD COLUMN commented_at DATETIME         NULL COMMENT 'UTC; when the guest reviewed' AFTER stars,
    ADD COLUMN reply        TEXT             NULL COMMENT 'the landlord''s answer to the review' AFTER commented_at,
    ADD COLUMN replied_at   DATETIME         NULL COMMENT 'UTC' AFTER reply,
    ADD CONSTRAINT ck_order_stars CHECK (stars IS NULL OR stars BETWEEN 1 AND 5);

-- The reviews written before stars existed: their time is the order's last change.
UPDATE ih_order SET commented_at = updated_at, updated_at = updated_at WHERE status = 4;

-- A house's rated reviews, kept with each review and edit under the house's row lock. `rating`
-- follows from them: their average x100 rounded half up, 0 with none, the sort key of
-- `rating-des` (unrated houses last). As for the other orders (0007), an index per order with and
-- without the district, that holds the stay rule; the id breaks ties.
ALTER TABLE ih_house
    ADD COLUMN rating_count INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'reviews with stars' AFTER order_count,
    ADD COLUMN rating_sum   INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'their stars' AFTER rating_count,
    ADD COLUMN rating       SMALLINT UNSIGNED AS (IF(rating_count = 0, 0,
        (rating_sum * 200 + rating_count) DIV (2 * rating_count))) STORED COMMENT 'average stars x100, 0: unrated' AFTER rating_sum,
    ADD KEY idx_house_area_rating (area_id, rating, id, min_days, max_days),
    ADD KEY idx_house_rating (rating, id, min_days, max_days);
