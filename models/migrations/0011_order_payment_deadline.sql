-- With --payment=alipay an accepted order waits for its guest's payment (status 1) until pay_by,
-- then expires (status 7) and frees its nights, as an unanswered booking does (0006). Statuses 1
-- and 2 hold their nights in ih_booked_night like 0 and 3 (0003), so the primary key there keeps
-- a night from being sold twice whatever the status of the order holding it. The sweep looks for
-- unpaid orders past their time by (status, pay_by).
ALTER TABLE ih_order
    ADD COLUMN pay_by DATETIME NULL COMMENT 'UTC; set on acceptance with payment on' AFTER comment,
    ADD KEY idx_order_status_pay_by (status, pay_by),
    MODIFY status TINYINT UNSIGNED NOT NULL DEFAULT 0
        COMMENT 'models/order.py: 0 wait accept, 1 wait payment, 2 paid, 3 wait comment, 4 complete, 5 canceled, 6 rejected, 7 expired';
