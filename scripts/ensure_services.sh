#!/usr/bin/env bash
# Make sure MariaDB and Redis answer where IHOME_MYSQL_URL and IHOME_REDIS_URL point.
# A local one that is installed but stopped is started; on Debian/Ubuntu, as root, a missing one
# is installed from the distribution's packages. Anything else is reported, never guessed at.
set -euo pipefail

mysql_url=${IHOME_MYSQL_URL:-mysql://root:@127.0.0.1:3306/ihome}
redis_url=${IHOME_REDIS_URL:-redis://127.0.0.1:6379/0}

host_port() {  # scheme://[user[:pass]@]host[:port][/path] -> "host port"
    local rest=${1#*://}
    rest=${rest%%/*}
    rest=${rest##*@}
    local host=${rest%%:*} port=$2
    [[ $rest == *:* ]] && port=${rest##*:}
    echo "${host:-127.0.0.1} $port"
}

reachable() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for() {
    for _ in $(seq 1 60); do
        reachable "$1" "$2" && return 0
        sleep 0.5
    done
    return 1
}

is_local() { [[ $1 == 127.0.0.1 || $1 == localhost || $1 == ::1 ]]; }

apt_install() {
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        echo "ensure_services: $1 is not installed; install it (Debian: apt-get install $*) or point IHOME_*_URL at a running one" >&2
        exit 1
    fi
    echo "ensure_services: installing $*" >&2
    [[ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null)" ]] || apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_mariadb() {
    read -r host port < <(host_port "$mysql_url" 3306)
    reachable "$host" "$port" && return 0
    if ! is_local "$host"; then
        echo "ensure_services: MariaDB at $host:$port does not answer" >&2; exit 1
    fi
    local fresh=0
    if ! command -v mariadbd >/dev/null && [[ ! -x /usr/sbin/mariadbd ]]; then
        apt_install mariadb-server
        fresh=1
    fi
    echo "ensure_services: starting MariaDB" >&2
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --port="$port"
    wait_for "$host" "$port" || { echo "ensure_services: MariaDB did not start" >&2; exit 1; }
    if [[ $fresh -eq 1 ]]; then
        # Debian's root logs in through the unix socket only; the default URL uses TCP, no password.
        mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; FLUSH PRIVILEGES;"
    fi
}

ensure_redis() {
    read -r host port < <(host_port "$redis_url" 6379)
    reachable "$host" "$port" && return 0
    if ! is_local "$host"; then
        echo "ensure_services: Redis at $host:$port does not answer" >&2; exit 1
    fi
    command -v redis-server >/dev/null || apt_install redis-server
    echo "ensure_services: starting Redis" >&2
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ihome.log
    wait_for "$host" "$port" || { echo "ensure_services: Redis did not start" >&2; exit 1; }
}

ensure_mariadb
ensure_redis
