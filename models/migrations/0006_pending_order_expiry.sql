-- A waiting order expires (status 7) when the landlord leaves it unanswered: every process looks
-- for them every minute, oldest first (Orders.expire_pending), which this index serves.
ALTER TABLE ih_order
    ADD KEY idx_order_status_created (status, created_at),
    MODIFY status TINYINT UNSIGNED NOT NULL DEFAULT 0
        COMMENT 'models/order.py: 0 wait accept, 3 wait comment, 4 complete, 5 canceled, 6 rejected, 7 expired';
