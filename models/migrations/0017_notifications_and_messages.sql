-- Notifications (models/notification.py): what happened to a user's orders while they looked
-- elsewhere or were offline. Each row is written in the transaction that made it happen, so none
-- is lost. Each user's are numbered 1, 2, 3... (seq) in the order their transactions commit: the
-- writer holds the user's row of ih_notification_seq until it commits. A client catches up from
-- the last number it saw. No foreign key names ih_user: its check would lock the user's row, which
-- a booking locks first (models/order.py), and a status change would then wait for it. Orders are
-- deleted only with demo data (scripts/demo_data.py): what was said of them goes with them.
CREATE TABLE ih_notification_seq (
    user_id INT UNSIGNED NOT NULL,
    seq     INT UNSIGNED NOT NULL COMMENT 'the number of the user''s latest notification',
    PRIMARY KEY (user_id)
) ENGINE=InnoDB;

CREATE TABLE ih_notification (
    id         INT UNSIGNED NOT NULL AUTO_INCREMENT,
    user_id    INT UNSIGNED NOT NULL COMMENT 'who is told',
    seq        INT UNSIGNED NOT NULL COMMENT 'its number among the user''s',
    kind       VARCHAR(16)  NOT NULL COMMENT 'models/notification.py KINDS',
    order_id   INT UNSIGNED NOT NULL,
    house_id   INT UNSIGNED NULL,
    message_id INT UNSIGNED NULL COMMENT 'kind message: the message',
    summary    VARCHAR(200) NOT NULL DEFAULT '' COMMENT 'the house title or the start of the message',
    created_at DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    read_at    DATETIME     NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_notification_user_seq (user_id, seq),
    KEY idx_notification_unread (user_id, read_at),
    CONSTRAINT fk_notification_order FOREIGN KEY (order_id) REFERENCES ih_order (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What the guest and the landlord of an order write to each other (models/message.py).
CREATE TABLE ih_message (
    id           INT UNSIGNED  NOT NULL AUTO_INCREMENT,
    order_id     INT UNSIGNED  NOT NULL,
    sender_id    INT UNSIGNED  NOT NULL,
    recipient_id INT UNSIGNED  NOT NULL,
    body         VARCHAR(1000) NOT NULL,
    created_at   DATETIME      NOT NULL DEFAULT CURRENT_TIMESTAMP,
    read_at      DATETIME      NULL COMMENT 'UTC, when the recipient read it',
    PRIMARY KEY (id),
    KEY idx_message_order (order_id, id),
    KEY idx_message_recipient_unread (recipient_id, read_at),
    CONSTRAINT fk_message_order FOREIGN KEY (order_id) REFERENCES ih_order (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
