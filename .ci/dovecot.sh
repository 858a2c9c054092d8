# Start a throwaway IMAP server (Debian's dovecot) for the intake tests: generated config in a
# temp dir, one passwd-file user, Maildir storage, 127.0.0.1 only, no TLS (dovecot allows
# plaintext logins only from the local host, which is all it listens on).
# Source it: `source .ci/dovecot.sh`; it exports VADESK_TEST_IMAP_HOST/PORT/USER/PASSWORD (and
# VADESK_TEST_IMAP_DIR) and defines dovecot_stop. Run as root (CI), the server runs as the
# unprivileged `dovecot` user; run as anyone else, as that user.
DOVECOT_BIN=${DOVECOT_BIN:-/usr/sbin/dovecot}
if [ ! -x "$DOVECOT_BIN" ] || [ ! -x /usr/lib/dovecot/imap ]; then
  echo "dovecot.sh: no dovecot installed (apt-get install dovecot-imapd)" >&2
  return 1
fi
IMAP_PORT=${IMAP_PORT:-$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}
IMAP_DIR=$(mktemp -d /tmp/vadesk-imap.XXXXXX)
IMAP_RUN=(env)
if [ "$(id -u)" = 0 ]; then
  IMAP_OWNER=dovecot
  IMAP_RUN=(runuser -u dovecot --)
else
  IMAP_OWNER=$(id -un)
fi
IMAP_UID=$(id -u "$IMAP_OWNER")
IMAP_GID=$(id -g "$IMAP_OWNER")
IMAP_GROUP=$(id -gn "$IMAP_OWNER")
IMAP_PASSWORD=$(python3 -c "import secrets; print(secrets.token_urlsafe(12))")
mkdir -p "$IMAP_DIR/run" "$IMAP_DIR/state" "$IMAP_DIR/home" "$IMAP_DIR/mail"
printf 'va:{PLAIN}%s::::::\n' "$IMAP_PASSWORD" >"$IMAP_DIR/passwd"
cat >"$IMAP_DIR/dovecot.conf" <<EOF
base_dir = $IMAP_DIR/run
state_dir = $IMAP_DIR/state
log_path = $IMAP_DIR/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
auth_mechanisms = plain login
default_login_user = $IMAP_OWNER
default_internal_user = $IMAP_OWNER
default_internal_group = $IMAP_GROUP
first_valid_uid = $IMAP_UID
last_valid_uid = $IMAP_UID
first_valid_gid = $IMAP_GID
last_valid_gid = $IMAP_GID
mail_location = maildir:$IMAP_DIR/mail/%u
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $IMAP_DIR/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u $IMAP_DIR/passwd
  default_fields = uid=$IMAP_UID gid=$IMAP_GID home=$IMAP_DIR/home/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    user = $IMAP_OWNER
  }
  unix_listener stats-writer {
    user = $IMAP_OWNER
  }
}
EOF
if [ "$(id -u)" = 0 ]; then
  chown -R "$IMAP_OWNER:$IMAP_GROUP" "$IMAP_DIR"
fi
chmod 0700 "$IMAP_DIR"
# The daemon must not hold the caller's stdout/stderr open (a $(...) or a pipe would wait).
"${IMAP_RUN[@]}" "$DOVECOT_BIN" -c "$IMAP_DIR/dovecot.conf" </dev/null >"$IMAP_DIR/start.log" 2>&1 \
  || { cat "$IMAP_DIR/start.log" "$IMAP_DIR/dovecot.log" >&2 2>/dev/null; return 1; }
for _ in $(seq 1 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $IMAP_PORT), 0.2).close()" 2>/dev/null && break
  sleep 0.1
done
export VADESK_TEST_IMAP_HOST=127.0.0.1
export VADESK_TEST_IMAP_PORT=$IMAP_PORT
export VADESK_TEST_IMAP_USER=va
export VADESK_TEST_IMAP_PASSWORD=$IMAP_PASSWORD
export VADESK_TEST_IMAP_DIR=$IMAP_DIR
dovecot_stop() {
  local pid
  pid=$(cat "$IMAP_DIR/run/master.pid" 2>/dev/null) && kill "$pid" 2>/dev/null
  for _ in $(seq 1 50); do
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  rm -rf "$IMAP_DIR"
}
echo "IMAP server (dovecot) running at 127.0.0.1:$IMAP_PORT, user va"
