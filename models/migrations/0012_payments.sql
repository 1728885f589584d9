-- Payments (models/payment.py): one trade at the gateway per order, and at most one refund per
-- order. Only what the gateway proved (a verified notification, or its answer to a query) is
-- written here; money is integer fen.

CREATE TABLE ih_payment (
    id           INT UNSIGNED     NOT NULL AUTO_INCREMENT,
    order_id     INT UNSIGNED     NOT NULL,
    provider     VARCHAR(16)      NOT NULL COMMENT 'alipay',
    out_trade_no VARCHAR(64)      NOT NULL COMMENT 'ours, as the gateway knows the trade',
    amount       BIGINT UNSIGNED  NOT NULL COMMENT 'fen to pay: the order amount',
    status       TINYINT UNSIGNED NOT NULL DEFAULT 0 COMMENT '0 open, 1 paid, 2 closed unpaid',
    trade_no     VARCHAR(64)      NULL COMMENT 'the gateway''s number, once paid',
    settled_by   VARCHAR(16)      NULL COMMENT 'notify or query: how we learnt it was paid',
    paid_at      DATETIME         NULL COMMENT 'UTC, when we learnt it',
    created_at   DATETIME         NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY uq_payment_order (order_id),
    UNIQUE KEY uq_payment_out_trade_no (out_trade_no),
    CONSTRAINT fk_payment_order FOREIGN KEY (order_id) REFERENCES ih_order (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A refund is written in the transaction that cancels the order, then sent to the gateway under
-- its own out_request_no (the gateway refunds once per number) until the gateway confirms it.
CREATE TABLE ih_refund (
    id              INT UNSIGNED      NOT NULL AUTO_INCREMENT,
    order_id        INT UNSIGNED      NOT NULL,
    payment_id      INT UNSIGNED      NOT NULL,
    out_request_no  VARCHAR(64)       NOT NULL COMMENT 'the refund''s idempotency key at the gateway',
    amount          BIGINT UNSIGNED   NOT NULL COMMENT 'fen',
    reason          VARCHAR(64)       NOT NULL,
    status          TINYINT UNSIGNED  NOT NULL DEFAULT 0 COMMENT '0 pending, 1 done',
    attempts        SMALLINT UNSIGNED NOT NULL DEFAULT 0,
    next_attempt_at DATETIME          NOT NULL COMMENT 'UTC; the sweep sends a pending refund again from then',
    created_at      DATETIME          NOT NULL DEFAULT CURRENT_TIMESTAMP,
    done_at         DATETIME          NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_refund_order (order_id),
    UNIQUE KEY uq_refund_out_request_no (out_request_no),
    KEY idx_refund_pending (status, next_attempt_at),
    CONSTRAINT fk_refund_order FOREIGN KEY (order_id) REFERENCES ih_order (id),
    CONSTRAINT fk_refund_payment FOREIGN KEY (payment_id) REFERENCES ih_payment (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
