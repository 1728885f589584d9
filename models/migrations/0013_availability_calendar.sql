-- The availability calendar (models/calendar.py).
--
-- A night the landlord blocks is a row of ih_booked_night with no order: the primary key
-- (house_id, night) then makes a block and a booking of one night impossible, and the search's
-- counts (0007: its triggers and ih_search_index_rebuild read house_id, night and area_id only)
-- and the search page's probe count a blocked night as taken, as a booked one. Nothing that
-- frees an order's nights (`WHERE order_id IN (...)`) ever matches a block.
ALTER TABLE ih_booked_night
    MODIFY order_id INT UNSIGNED NULL COMMENT 'the active order holding the night; NULL: blocked by the landlord';

-- A night's own price (weekends, holidays); a night without a row costs the house's price.
CREATE TABLE ih_night_price (
    house_id INT UNSIGNED NOT NULL,
    night    DATE         NOT NULL,
    price    INT UNSIGNED NOT NULL COMMENT 'fen',
    PRIMARY KEY (house_id, night),
    CONSTRAINT fk_night_price_house FOREIGN KEY (house_id) REFERENCES ih_house (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- What an order charged for each of its nights, kept whatever the prices become. A night is
-- named by its place in the stay (0: the first night), so moving a stay's dates (scripts/end_stay)
-- keeps its prices. Orders placed before this migration have no rows: each of their nights cost
-- their house_price.
CREATE TABLE ih_order_night (
    order_id   INT UNSIGNED      NOT NULL,
    stay_night SMALLINT UNSIGNED NOT NULL COMMENT '0: the first night',
    price      INT UNSIGNED      NOT NULL COMMENT 'fen',
    PRIMARY KEY (order_id, stay_night),
    CONSTRAINT fk_order_night_order FOREIGN KEY (order_id) REFERENCES ih_order (id) ON DELETE CASCADE
) ENGINE=InnoDB;
