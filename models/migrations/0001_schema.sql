-- The whole iHome schema. Money is integer fen; timestamps are UTC; text is utf8mb4.

CREATE TABLE ih_user (
    id            INT UNSIGNED NOT NULL AUTO_INCREMENT,
    name          VARCHAR(32)  NOT NULL,
    mobile        CHAR(11)     NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    avatar        VARCHAR(128) NULL COMMENT 'storage key of the avatar image',
    real_name     VARCHAR(32)  NULL,
    id_card       CHAR(18)     NULL COMMENT 'never returned unmasked',
    created_at    DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at    DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY uq_user_mobile (mobile),
    UNIQUE KEY uq_user_name (name),
    UNIQUE KEY uq_user_id_card (id_card)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ih_area (
    id   INT UNSIGNED NOT NULL,
    name VARCHAR(32)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_area_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ih_facility (
    id   INT UNSIGNED NOT NULL,
    name VARCHAR(32)  NOT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ih_house (
    id          INT UNSIGNED      NOT NULL AUTO_INCREMENT,
    user_id     INT UNSIGNED      NOT NULL COMMENT 'the landlord',
    area_id     INT UNSIGNED      NOT NULL,
    title       VARCHAR(64)       NOT NULL,
    price       INT UNSIGNED      NOT NULL COMMENT 'fen per night',
    address     VARCHAR(512)      NOT NULL,
    room_count  SMALLINT UNSIGNED NOT NULL,
    acreage     INT UNSIGNED      NOT NULL COMMENT 'square metres',
    unit        VARCHAR(32)       NOT NULL COMMENT 'layout, e.g. 三室两厅',
    capacity    SMALLINT UNSIGNED NOT NULL COMMENT 'guests',
    beds        VARCHAR(64)       NOT NULL,
    deposit     INT UNSIGNED      NOT NULL COMMENT 'fen',
    min_days    SMALLINT UNSIGNED NOT NULL,
    max_days    SMALLINT UNSIGNED NOT NULL COMMENT '0: no limit',
    order_count INT UNSIGNED      NOT NULL DEFAULT 0 COMMENT 'accepted orders',
    index_image VARCHAR(128)      NULL COMMENT 'storage key of the first photo',
    created_at  DATETIME          NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  DATETIME          NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    KEY idx_house_user (user_id, id),
    -- one index per search order, with and without the area filter; id breaks ties
    KEY idx_house_area_new (area_id, created_at, id),
    KEY idx_house_area_booking (area_id, order_count, id),
    KEY idx_house_area_price (area_id, price, id),
    KEY idx_house_new (created_at, id),
    KEY idx_house_booking (order_count, id),
    KEY idx_house_price (price, id),
    CONSTRAINT fk_house_user FOREIGN KEY (user_id) REFERENCES ih_user (id),
    CONSTRAINT fk_house_area FOREIGN KEY (area_id) REFERENCES ih_area (id),
    CONSTRAINT ck_house_days CHECK (min_days >= 1 AND (max_days = 0 OR max_days >= min_days))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ih_house_facility (
    house_id    INT UNSIGNED NOT NULL,
    facility_id INT UNSIGNED NOT NULL,
    PRIMARY KEY (house_id, facility_id),
    KEY idx_house_facility_facility (facility_id),
    CONSTRAINT fk_house_facility_house FOREIGN KEY (house_id) REFERENCES ih_house (id) ON DELETE CASCADE,
    CONSTRAINT fk_house_facility_facility FOREIGN KEY (facility_id) REFERENCES ih_facility (id)
) ENGINE=InnoDB;

CREATE TABLE ih_house_image (
    id         INT UNSIGNED NOT NULL AUTO_INCREMENT,
    house_id   INT UNSIGNED NOT NULL,
    image      VARCHAR(128) NOT NULL COMMENT 'storage key',
    created_at DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    KEY idx_house_image_house (house_id, id),
    CONSTRAINT fk_house_image_house FOREIGN KEY (house_id) REFERENCES ih_house (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ih_order (
    id          INT UNSIGNED     NOT NULL AUTO_INCREMENT,
    user_id     INT UNSIGNED     NOT NULL COMMENT 'the guest',
    house_id    INT UNSIGNED     NOT NULL,
    begin_date  DATE             NOT NULL COMMENT 'first night',
    end_date    DATE             NOT NULL COMMENT 'last night (inclusive)',
    days        INT UNSIGNED     NOT NULL,
    house_price INT UNSIGNED     NOT NULL COMMENT 'fen per night when booked',
    amount      BIGINT UNSIGNED  NOT NULL COMMENT 'fen',
    status      TINYINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'models/order.py: 0 wait accept, 3 wait comment, 4 complete, 5 canceled, 6 rejected',
    comment     TEXT             NULL COMMENT 'the guest review, or the landlord reject reason',
    created_at  DATETIME         NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  DATETIME         NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    KEY idx_order_user (user_id, id),
    KEY idx_order_house (house_id, status, id),
    CONSTRAINT fk_order_user FOREIGN KEY (user_id) REFERENCES ih_user (id),
    CONSTRAINT fk_order_house FOREIGN KEY (house_id) REFERENCES ih_house (id),
    CONSTRAINT ck_order_dates CHECK (end_date >= begin_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per night held by an active order (status 0 or 3). The primary key makes a
-- double-booked night impossible, and the availability search is an index probe on it.
CREATE TABLE ih_booked_night (
    house_id INT UNSIGNED NOT NULL,
    night    DATE         NOT NULL,
    order_id INT UNSIGNED NOT NULL,
    PRIMARY KEY (house_id, night),
    KEY idx_booked_night_order (order_id),
    CONSTRAINT fk_booked_night_house FOREIGN KEY (house_id) REFERENCES ih_house (id) ON DELETE CASCADE,
    CONSTRAINT fk_booked_night_order FOREIGN KEY (order_id) REFERENCES ih_order (id) ON DELETE CASCADE
) ENGINE=InnoDB;
