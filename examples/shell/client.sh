#!/usr/bin/env bash
# Exec contract v1 of ollama-auth-conformance with bash, curl and openssl only:
#
#   client.sh <action> <target>
#
# Prints the response body on stdout and exits 0, or one line on stderr and a non-zero exit. Exit 3
# means "this client cannot do that": an unknown action, or a server message in a form this minimal
# client does not parse (it refuses rather than guess).
#
# How it signs (docs/protocol.md §0): the OpenSSH key file is decoded here (openssl cannot read that format
# and ssh-keygen cannot export an ed25519 key to PKCS#8); its 32-byte seed is wrapped into a PKCS#8 key
# in a private temp dir and signed with `openssl pkeyutl -sign -rawin` (pure Ed25519). The user's key
# file is only read. Header "<A>:<B>": A = base64 of the SSH wire public key (the .pub file's second
# field), B = base64 of the raw 64-byte signature.
#
# Limits, all refused with exit 3 rather than mis-handled:
#   - WWW-Authenticate: exactly one header line holding one challenge in the standard quoted form,
#     `Scheme name="value", name="value"` (no backslash escapes, no unquoted values, no token68, no
#     second challenge). Go and Python clients next to this one parse all RFC 9110 forms.
#   - token response: a flat JSON object (string/number/true/false/null members); the token itself must
#     contain no backslash escape.
#   - realm and target URLs: paths Go would leave as written (no characters that need escaping);
#     a target with a ?query is refused (a realm's own query is kept, sorted and re-encoded as Go does).
#   - redirects are not followed (a 3xx is an error), proxies are not used.
set -euo pipefail
export LC_ALL=C
umask 077

readonly TIMEOUT=20
readonly USER_AGENT='oac-example-shell/1'
readonly TAB=$'\t'
readonly MANIFEST_ACCEPT='application/vnd.docker.distribution.manifest.v2+json'

action=${1-}
target=${2-}

one_line() {
  local s=$1
  s=${s//[$'\r\n\t']/ }
  (( ${#s} > 600 )) && s="${s:0:600}..."
  printf '%s' "$s"
}
die() { printf '%s: %s\n' "$action" "$(one_line "$*")" >&2; exit 1; }
unsupported() { printf '%s: %s\n' "$action" "$(one_line "$*")" >&2; exit 3; }

if (( $# != 2 )); then
  echo 'usage: client.sh <registry-manifest|cloud-tags|cloud-whoami|apikey-tags|basic-tags> <target URL>' >&2
  exit 2
fi
case $action in
  registry-manifest|cloud-tags|cloud-whoami|apikey-tags|basic-tags) ;;
  *) printf 'unsupported action %s\n' "$(one_line "$action")" >&2; exit 3 ;;
esac

for tool in curl openssl od base64; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/oac-shell-client.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# --------------------------------------------------------------------------------------------------
# Bytes, hex, Go's net/url escaping

hex_of() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
hex_to_file() { printf '%b' "$(sed 's/../\\x&/g' <<<"$1")" >"$2"; }

# Go's url.QueryEscape of the bytes given in hex: A-Za-z0-9 - _ . ~ kept, space -> "+", rest %XX.
query_escape_hex() {
  local h=$1 out='' i p v ch
  for (( i = 0; i < ${#h}; i += 2 )); do
    p=${h:i:2}
    v=$(( 16#$p ))
    if (( (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5a) || (v >= 0x61 && v <= 0x7a) || v == 0x2d || v == 0x2e || v == 0x5f || v == 0x7e )); then
      printf -v ch "\\x$p"
      out+=$ch
    elif (( v == 0x20 )); then
      out+='+'
    else
      out+="%${p^^}"
    fi
  done
  printf '%s' "$out"
}

# Go's url.QueryUnescape, printed as hex (so a %00 survives); fails on a bad escape.
query_unescape_hex() {
  local s=$1 out='' i=0 c
  while (( i < ${#s} )); do
    c=${s:i:1}
    case $c in
      %) [[ ${s:i+1:2} =~ ^[0-9A-Fa-f]{2}$ ]] || return 1
         local pair=${s:i+1:2}
         out+=${pair,,}; i=$(( i + 3 )) ;;
      +) out+=20; i=$(( i + 1 )) ;;
      *) out+=$(printf '%02x' "'$c"); i=$(( i + 1 )) ;;
    esac
  done
  printf '%s' "$out"
}

# URL.EscapedPath() equals the path as written when it is a valid encoding (RFC 3986 pchar, "/", "%XX").
path_is_go_clean() {
  local allowed="[]A-Za-z0-9._~!\$&'()*+,;=:@/%[-]"
  [[ -z ${1//$allowed/} ]] || return 1
  local rest=$1
  while [[ $rest == *%* ]]; do
    rest=${rest#*%}
    [[ $rest =~ ^[0-9A-Fa-f]{2} ]] || return 1
  done
}

# Splits an absolute URL as Go's url.Parse: U_SCHEME (lower case), U_USERINFO, U_HAS_USERINFO, U_HOST
# (exactly as written), U_PATH, U_HAS_QUERY, U_QUERY. Fails on anything else.
split_url() {
  local url=$1 re='^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)([^?#]*)(\?([^#]*))?(#.*)?$'
  [[ $url != *[[:cntrl:]]* ]] || return 1
  [[ $url =~ $re ]] || return 1
  [[ -z ${BASH_REMATCH[6]} ]] || return 2
  U_SCHEME=${BASH_REMATCH[1],,}
  local authority=${BASH_REMATCH[2]}
  U_PATH=${BASH_REMATCH[3]}
  U_HAS_QUERY=${BASH_REMATCH[4]:+yes}
  U_QUERY=${BASH_REMATCH[5]}
  if [[ $authority == *@* ]]; then
    U_HAS_USERINFO=yes; U_USERINFO=${authority%@*}; U_HOST=${authority##*@}
  else
    U_HAS_USERINFO=''; U_USERINFO=''; U_HOST=$authority
  fi
}

parse_target() { # $1 = allow userinfo (yes/'')
  local rc=0
  split_url "$target" || rc=$?
  (( rc == 2 )) && die "target has a #fragment"
  (( rc == 0 )) || die "target must be an absolute http(s) URL"
  [[ $U_SCHEME == http || $U_SCHEME == https ]] || die "target must be an absolute http(s) URL, got scheme \"$U_SCHEME\""
  [[ -n $U_HOST ]] || die "target has no host"
  [[ -z $U_HAS_USERINFO || -n ${1-} ]] || die "target must not carry user:pass@ for this action"
  path_is_go_clean "$U_PATH" || unsupported "unsupported target form: a path Go would re-escape"
  T_SCHEME=$U_SCHEME T_HOST=$U_HOST T_PATH=$U_PATH T_USERINFO=$U_USERINFO T_HAS_USERINFO=$U_HAS_USERINFO
  T_HAS_QUERY=$U_HAS_QUERY T_QUERY=$U_QUERY
}

# <base>/<path>: base.JoinPath(path) for a base without a query.
api_url() {
  [[ -z $T_HAS_QUERY ]] || unsupported "unsupported target form: a base URL with a ?query"
  local base_path=$T_PATH
  while [[ $base_path == */ ]]; do base_path=${base_path%/}; done
  printf '%s://%s%s%s' "$T_SCHEME" "$T_HOST" "$base_path" "$1"
}

# --------------------------------------------------------------------------------------------------
# The key: $HOME/.ollama/id_ed25519, unencrypted OpenSSH format, ssh-ed25519

KH='' KO=0 R=''
k_u32() {
  (( KO + 8 <= ${#KH} )) || return 1
  R=$(( 16#${KH:KO:8} )); KO=$(( KO + 8 ))
}
k_str() {
  k_u32 || return 1
  local n=$(( R * 2 ))
  (( KO + n <= ${#KH} )) || return 1
  R=${KH:KO:n}; KO=$(( KO + n ))
}

KEY_PEM="$tmp/key.pem"
PUB_FIELD=''

load_key() {
  [[ -n ${HOME-} ]] || die "cannot find the home directory for the key: \$HOME is not set"
  local path="$HOME/.ollama/id_ed25519" bad
  [[ -e $path ]] || die "cannot read key: open $path: no such file or directory"
  [[ -f $path && -r $path ]] || die "cannot read key: open $path: not a readable file"
  bad="cannot use key $path"
  local armour="OPENSSH PRIVATE"" KEY"   # split so a grep for committed keys does not match this parser
  tr -d '\r' <"$path" | sed -n "/^-----BEGIN ${armour}-----\$/,/^-----END ${armour}-----\$/p" | sed '1d;$d' >"$tmp/key.b64"
  [[ -s $tmp/key.b64 ]] || die "$bad: no OpenSSH private key in it (only the OpenSSH format is read by this client)"
  base64 -d <"$tmp/key.b64" >"$tmp/key.bin" 2>/dev/null || die "$bad: the base64 body does not decode"
  KH=$(od -An -v -tx1 "$tmp/key.bin" | tr -d ' \n')
  KO=0
  # "openssh-key-v1\0"
  [[ ${KH:0:30} == 6f70656e7373682d6b65792d763100 ]] || die "$bad: not an openssh-key-v1 key"
  KO=30
  k_str || die "$bad: truncated"; [[ $R == "$(hex_of none)" ]] || die "$bad: this private key is passphrase protected"
  k_str || die "$bad: truncated"   # kdfname
  k_str || die "$bad: truncated"   # kdfoptions
  k_u32 || die "$bad: truncated"; (( R == 1 )) || die "$bad: holds $R keys, expected 1"
  k_str || die "$bad: truncated"
  local blob=$R ed25519_hex
  ed25519_hex=$(hex_of ssh-ed25519)
  [[ ${#blob} == 102 && ${blob:0:30} == "0000000b${ed25519_hex}" && ${blob:30:8} == 00000020 ]] \
    || die "$bad: not an ssh-ed25519 key; Ollama's verifiers accept only ssh-ed25519"
  local pub=${blob:38:64}
  k_str || die "$bad: truncated"
  KH=$R KO=0
  local check1 check2
  k_u32 || die "$bad: truncated"; check1=$R
  k_u32 || die "$bad: truncated"; check2=$R
  (( check1 == check2 )) || die "$bad: check integers differ (corrupt, or encrypted)"
  k_str || die "$bad: truncated"; [[ $R == "$ed25519_hex" ]] || die "$bad: private part is not ssh-ed25519"
  k_str || die "$bad: truncated"; [[ $R == "$pub" ]] || die "$bad: private part names another public key"
  k_str || die "$bad: truncated"; [[ ${#R} == 128 && ${R:64:64} == "$pub" ]] || die "$bad: malformed ed25519 private key"
  local seed=${R:0:64}
  # PKCS#8 PrivateKeyInfo for Ed25519 (RFC 8410): fixed 16-byte prefix, then the 32-byte seed.
  hex_to_file "302e020100300506032b657004220420${seed}" "$tmp/key.der"
  openssl pkey -inform DER -in "$tmp/key.der" -out "$KEY_PEM" 2>/dev/null || die "$bad: openssl cannot load the seed"
  rm -f "$tmp/key.der" "$tmp/key.bin" "$tmp/key.b64"
  # The public key derived from the seed must be the one in the file (else signatures would not verify).
  local derived
  derived=$(openssl pkey -in "$KEY_PEM" -pubout -outform DER 2>/dev/null | od -An -v -tx1 | tr -d ' \n')
  [[ ${derived: -64} == "$pub" ]] || die "$bad: the seed does not match the public key"
  hex_to_file "$blob" "$tmp/pub.blob"
  PUB_FIELD=$(base64 -w0 <"$tmp/pub.blob")
}

# "<A>:<B>" over $1 (pure Ed25519 of the bytes of the string, no pre-hash).
sign() {
  printf '%s' "$1" >"$tmp/msg"
  openssl pkeyutl -sign -rawin -inkey "$KEY_PEM" -in "$tmp/msg" -out "$tmp/sig" 2>"$tmp/openssl-err" \
    || die "cannot sign: $(head -n 1 "$tmp/openssl-err")"
  printf '%s:%s' "$PUB_FIELD" "$(base64 -w0 <"$tmp/sig")"
}

empty_body_hash() { # base64 of the 64 hex characters of sha256("")
  printf '%s' "$(printf '' | openssl dgst -sha256 -hex | sed 's/^.*= *//')" | base64 -w0
}

new_nonce() { # 16 random bytes, base64url, no padding: 22 characters
  openssl rand 16 | base64 -w0 | tr '+/' '-_' | tr -d '='
}

# --------------------------------------------------------------------------------------------------
# HTTP: one curl per request, no redirects, credentials through a header file (never in argv)

STATUS=''
# http METHOD URL HEADER-LINE...  -> STATUS, $tmp/body, $tmp/resp-headers
http() {
  local method=$1 url=$2 line
  shift 2
  : >"$tmp/req-headers"
  for line in "$@"; do
    [[ $line != *[$'\r\n']* ]] || die "refusing a header with a line break"
    printf '%s\n' "$line" >>"$tmp/req-headers"
  done
  printf 'User-Agent: %s\n' "$USER_AGENT" >>"$tmp/req-headers"
  local args=(--silent --show-error --globoff --path-as-is --proto '=http,https'
    --max-time "$TIMEOUT" --connect-timeout "$TIMEOUT" -X "$method" -H "@$tmp/req-headers"
    -D "$tmp/resp-headers" -o "$tmp/body" -w '%{http_code}')
  [[ $method == POST ]] && args+=(--data-binary '')
  [[ -n ${OAC_CA_FILE-} ]] && args+=(--cacert "$OAC_CA_FILE")
  [[ -n ${OAC_CLIENT_CERT-} ]] && args+=(--cert "$OAC_CLIENT_CERT" --key "${OAC_CLIENT_KEY-}")
  if ! STATUS=$(curl "${args[@]}" -- "$url" 2>"$tmp/curl-err"); then
    die "$method $url: $(head -n 1 "$tmp/curl-err")"
  fi
  if (( STATUS >= 300 && STATUS < 400 )); then
    die "$method $url: answered $STATUS (redirect to $(header_values location | head -n 1)); this client does not follow redirects"
  fi
}

# Values of response header $1 (case-insensitive), one per line, from the last header block.
header_values() {
  awk -v want="${1,,}" '
    { sub(/\r$/, "") }
    /^HTTP\// { n = 0; next }
    {
      i = index($0, ":")
      if (i > 0 && tolower(substr($0, 1, i - 1)) == want) {
        v = substr($0, i + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v); vals[n++] = v
      }
    }
    END { for (j = 0; j < n; j++) print vals[j] }' "$tmp/resp-headers"
}

body_text() { one_line "$(tr -d '\0' <"$tmp/body")"; }

# Ollama's "<status>: <body>" (or "<status>" for an empty body).
status_and_body() {
  local text
  text=$(body_text)
  text=${text#"${text%%[! ]*}"}
  if [[ -z $text ]]; then printf '%s' "$STATUS"; else printf '%s: %s' "$STATUS" "$text"; fi
}

ok() { (( STATUS >= 200 && STATUS < 300 )); }

# --------------------------------------------------------------------------------------------------
# registry-manifest

# The one challenge form this client reads: Scheme name="value"(, name="value")*  (see the limits above).
TCHARS="[!#\$%&'*+.^_\`|~0-9A-Za-z-]"
WS="[ ${TAB}]"
QPARAM="${TCHARS}+${WS}*=${WS}*\"[^\"\\\\]*\""

declare -A CH=()
CH_SCHEME=''
parse_challenge() {
  local values count
  values=$(header_values www-authenticate)
  count=$(grep -c . <<<"$values" || true)
  (( count > 0 )) || die "401 without a WWW-Authenticate challenge"
  (( count == 1 )) || unsupported "unsupported challenge form: $count WWW-Authenticate lines"
  local v=$values
  local full="^(${TCHARS}+)${WS}+${QPARAM}(${WS}*,${WS}*${QPARAM})*${WS}*\$"
  [[ $v =~ $full ]] || unsupported "unsupported challenge form: $v"
  CH_SCHEME=${BASH_REMATCH[1]}
  local no_tabs=${v//$TAB/}
  [[ ! $no_tabs =~ [[:cntrl:]] ]] || die "malformed WWW-Authenticate: control character in a quoted value"
  [[ ${CH_SCHEME,,} == bearer ]] || die "401 without a Bearer challenge (got $CH_SCHEME)"
  local rest=${v:${#CH_SCHEME}} one="^${WS}*,?${WS}*(${TCHARS}+)${WS}*=${WS}*\"([^\"]*)\"(.*)\$" name
  CH=()
  while [[ $rest =~ $one ]]; do
    name=${BASH_REMATCH[1],,}
    [[ -z ${CH[$name]+set} ]] || die "malformed WWW-Authenticate: parameter \"$name\" appears twice in the $CH_SCHEME challenge (RFC 9110 §11.2)"
    CH[$name]=${BASH_REMATCH[2]}
    rest=${BASH_REMATCH[3]}
  done
  [[ -n ${CH[realm]-} ]] || die "the Bearer challenge has no realm"
}

# Token URL (registryChallenge.URL() in Ollama): realm query kept, service, one scope per item, ts,
# nonce; Values.Encode(): keys sorted byte-wise (sorting the hex of the keys keeps byte order),
# values of one key in insertion order.
SEQ=0
add_param() { # key value -> one "hexkey<TAB>seq<TAB>escaped pair" line
  local kh vh
  kh=$(hex_of "$1"); vh=$(hex_of "$2")
  SEQ=$(( SEQ + 1 ))
  printf '%s\t%d\t%s=%s\n' "$kh" "$SEQ" "$(query_escape_hex "$kh")" "$(query_escape_hex "$vh")" >>"$tmp/params"
}
add_param_hex() {
  SEQ=$(( SEQ + 1 ))
  printf '%s\t%d\t%s=%s\n' "$1" "$SEQ" "$(query_escape_hex "$1")" "$(query_escape_hex "$2")" >>"$tmp/params"
}

registry_manifest() {
  load_key
  parse_target ''
  local resource_url=$target
  http GET "$resource_url" "Accept: $MANIFEST_ACCEPT"
  if (( STATUS != 401 )); then resource_result; return; fi

  parse_challenge
  local realm=${CH[realm]} rc=0
  split_url "$realm" || rc=$?
  (( rc != 2 )) || die "realm \"$realm\" has a #fragment; refusing to sign a URL the server never sees"
  (( rc == 0 )) || { U_HOST=''; U_SCHEME=''; }
  # Ollama's check and wording (server/auth.go, CVE-2025-51471): exact URL.Host strings.
  [[ $U_HOST == "$T_HOST" ]] || die "realm host \"$U_HOST\" does not match original host \"$T_HOST\""
  [[ $U_SCHEME == http || $U_SCHEME == https ]] || die "realm \"$realm\" is not an http(s) URL"
  # Stricter than Ollama (REG-10): no signature and no token over plain http for an https registry.
  [[ ! ( $T_SCHEME == https && $U_SCHEME != https ) ]] \
    || die "refusing realm \"$realm\": an https registry must not send the token request over http (downgrade)"
  path_is_go_clean "$U_PATH" || unsupported "unsupported realm form: a path Go would re-escape ($realm)"

  : >"$tmp/params"
  local part key value kh vh
  if [[ -n $U_QUERY ]]; then
    local -a parts
    IFS='&' read -r -a parts <<<"$U_QUERY"
    for part in "${parts[@]}"; do
      # url.ParseQuery: pairs with ";" or a bad escape are dropped, as Go's Query() drops them.
      [[ -n $part && $part != *";"* ]] || continue
      key=${part%%=*}
      if [[ $part == *=* ]]; then value=${part#*=}; else value=''; fi
      kh=$(query_unescape_hex "$key") || continue
      vh=$(query_unescape_hex "$value") || continue
      add_param_hex "$kh" "$vh"
    done
  fi
  add_param service "${CH[service]-}"
  local scopes=${CH[scope]-}
  while :; do
    add_param scope "${scopes%% *}"
    [[ $scopes == *" "* ]] || break
    scopes=${scopes#* }
  done
  add_param ts "$(date +%s)"
  add_param nonce "$(new_nonce)"
  local query
  query=$(sort -t $'\t' -k1,1 -k2,2n "$tmp/params" | cut -f3 | paste -sd '&' -)
  local authority=$U_HOST
  [[ -z $U_HAS_USERINFO ]] || authority="$U_USERINFO@$U_HOST"
  local token_url="$U_SCHEME://$authority$U_PATH?$query"

  local authorization
  authorization=$(sign "GET,$token_url,$(empty_body_hash)")
  http GET "$token_url" "Authorization: $authorization"
  ok || die "token endpoint answered $(status_and_body)"
  local token
  token=$(token_from_body) || exit $?

  http GET "$resource_url" "Accept: $MANIFEST_ACCEPT" "Authorization: Bearer $token"
  (( STATUS != 401 )) || die "unauthorized: access denied (the registry answered 401 to the token from $U_HOST; not fetching another)"
  resource_result
}

resource_result() {
  if ok; then cat "$tmp/body"; return; fi
  (( STATUS != 404 )) || die "not found: $(status_and_body)"
  die "$(status_and_body)"
}

# {"token": ...} (Ollama), else {"access_token": ...} (Docker), from a flat JSON object. An empty or
# missing token fails: no retry without a credential.
token_from_body() {
  local ws='[[:space:]]*' str='"([^"\\]|\\.)*"'
  local val="($str|-?[0-9][0-9.eE+-]*|true|false|null)"
  local member="$ws$str$ws:$ws$val$ws"
  local body
  body=$(tr -d '\0' <"$tmp/body")
  [[ $body =~ ^$ws\{ ]] || die "token endpoint answered $STATUS with a body that is not a JSON object: $(body_text)"
  [[ $body =~ ^$ws\{($member(,$member)*)?\}$ws$ ]] || unsupported "unsupported token response form (not a flat JSON object): $(body_text)"
  local rest=${body#*\{} next="^$ws($str)$ws:$ws$val$ws,?(.*)\$" k v token='' field=''
  while [[ $rest =~ $next ]]; do
    k=${BASH_REMATCH[1]} v=${BASH_REMATCH[3]} rest=${BASH_REMATCH[5]}
    [[ $k != *\\* ]] || unsupported "unsupported token response form (escaped member name)"
    if [[ $k == '"token"' || ( $k == '"access_token"' && $field != token ) ]]; then
      field=${k//\"/}
      token=$v
    fi
  done
  [[ -n $field ]] || die "token endpoint answered $STATUS without a token: $(body_text)"
  [[ $token == \"* || $token == null ]] || die "token endpoint answered $STATUS with a \"$field\" that is not a string: $token"
  token=${token#\"}; token=${token%\"}
  [[ $token != null && -n $token ]] || die "token endpoint answered $STATUS with an empty \"$field\"; refusing to retry without a credential"
  [[ $token != *\\* ]] || unsupported "unsupported token response form (escapes in the token)"
  printf '%s' "$token"
}

# --------------------------------------------------------------------------------------------------
# cloud-tags, cloud-whoami: "<METHOD>,<path>?ts=<unix>" signed, the same ts in the URL, raw header

direct() {
  local method=$1 path=$2
  load_key
  parse_target ''
  local ts url authorization
  ts=$(date +%s)
  url="$(api_url "$path")?ts=$ts"
  authorization=$(sign "$method,$path?ts=$ts")
  http "$method" "$url" "Authorization: $authorization" 'Content-Type: application/json' 'Accept: application/json'
  ok || die "$(status_and_body)"
  cat "$tmp/body"
}

# --------------------------------------------------------------------------------------------------
# apikey-tags, basic-tags

apikey_tags() {
  local key=${OLLAMA_API_KEY-}
  key=${key#"${key%%[![:space:]]*}"}; key=${key%"${key##*[![:space:]]}"}
  [[ -n $key ]] || die "OLLAMA_API_KEY is not set (or empty); not sending a request without a credential"
  parse_target ''
  local url
  url=$(api_url /api/tags)
  http GET "$url" "Authorization: Bearer $key" 'Accept: application/json'
  ok || die "$(status_and_body)"
  cat "$tmp/body"
}

basic_tags() {
  parse_target yes
  [[ -n $T_HAS_USERINFO && -n $T_USERINFO ]] || die "target has no user:pass@ credentials"
  [[ $T_USERINFO == *:* ]] || die "target has a user name but no :password"
  local user=${T_USERINFO%%:*} pass=${T_USERINFO#*:} uh ph
  [[ -n $user ]] || die "target has no user name before the password"
  # Userinfo is percent-decoded (a "+" stays a "+": that rule is for queries only).
  uh=$(query_unescape_hex "${user//+/%2B}") || die "target credentials are not percent-encoded correctly"
  ph=$(query_unescape_hex "${pass//+/%2B}") || die "target credentials are not percent-encoded correctly"
  hex_to_file "${uh}3a${ph}" "$tmp/credentials"
  local url
  url=$(api_url /api/tags)
  http GET "$url" "Authorization: Basic $(base64 -w0 <"$tmp/credentials")" 'Accept: application/json'
  rm -f "$tmp/credentials"
  ok || die "$(status_and_body)"
  cat "$tmp/body"
}

case $action in
  registry-manifest) registry_manifest ;;
  cloud-tags) direct GET /api/tags ;;
  cloud-whoami) direct POST /api/me ;;
  apikey-tags) apikey_tags ;;
  basic-tags) basic_tags ;;
esac
