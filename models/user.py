"""Users: the rows of ih_user and the rules that belong to them."""
from models.db import is_duplicate_key
from utils.errors import RET, ApiError


async def find_by_mobile(db, mobile):
    return await db.fetchone(
        "SELECT id AS user_id, name, mobile, password_hash FROM ih_user WHERE mobile = %s",
        (mobile,))


async def mobile_registered(db, mobile):
    return await db.fetchone("SELECT 1 FROM ih_user WHERE mobile = %s", (mobile,)) is not None


async def create(db, mobile, password_hash):
    """A new user, named after their mobile until they choose a name."""
    try:
        _, user_id = await db.execute(
            "INSERT INTO ih_user (name, mobile, password_hash) VALUES (%s, %s, %s)",
            (mobile, mobile, password_hash))
    except Exception as error:
        if is_duplicate_key(error):
            raise ApiError(RET.DATAEXIST, "该手机号已注册") from None
        raise
    return {"user_id": user_id, "name": mobile, "mobile": mobile}


async def set_password_hash(db, user_id, password_hash):
    await db.execute("UPDATE ih_user SET password_hash = %s WHERE id = %s", (password_hash, user_id))
