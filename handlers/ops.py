"""For load balancers and monitoring: health, readiness, and the Prometheus metrics."""
from handlers.base import BaseHandler
from utils import metrics
from utils.errors import RET, ApiError


class HealthHandler(BaseHandler):
    def get(self):
        self.ok()


class ReadyHandler(BaseHandler):
    async def get(self):
        await self.application.readiness.check()
        self.ok()


class MetricsHandler(BaseHandler):
    def get(self):
        if not metrics.may_read(self.request.remote_ip, self.request.headers.get("Authorization", ""),
                                self.application.metrics_token):
            raise ApiError(RET.ROLEERR, "指标仅对本机或持有令牌的请求开放", status=403)
        self.application.sample_pools()
        content_type, body = metrics.exposition()
        self.set_header("Content-Type", content_type)
        self.finish(body)


ROUTES = [
    (r"/healthz$", HealthHandler),
    (r"/readyz$", ReadyHandler),
    (r"/metrics$", MetricsHandler),
]
