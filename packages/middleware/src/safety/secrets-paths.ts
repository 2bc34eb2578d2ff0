/**
 * Paths that hold credentials: SSH and GPG keys, cloud and registry credentials, `.env` files, private keys,
 * shell histories, the process environment (`/proc/self/environ`) and the system's password hashes.
 * Public keys, `known_hosts` and `.env.example`-style templates are not secrets.
 */
const SECRET_PATH =
  /(?:^|\/)(?:\.ssh(?:\/(?!known_hosts|authorized_keys|[^/]*\.pub$|config$)[^/]+)?\/?|\.aws\/(?:credentials|config)|\.netrc|_netrc|\.npmrc|\.pypirc|\.git-credentials|\.gnupg(?:\/[^/]*)?|\.docker\/config\.json|\.kube\/config|kubeconfig|\.config\/gcloud(?:\/.*)?|\.config\/gh\/hosts\.yml|\.azure(?:\/.*)?|\.env(?:\.(?!example$|sample$|template$|dist$|defaults$)[\w.-]+)?|id_(?:rsa|dsa|ecdsa|ed25519)(?:_[\w-]+)?|[\w.-]+\.(?:pem|key|p12|pfx|jks|keystore|ppk|kdbx)|credentials(?:\.json)?|service[-_]?account[\w.-]*\.json|\.(?:bash|zsh|sh|python|node_repl|psql|mysql)_history|\.vault-token|\.terraformrc|terraform\.tfstate(?:\.backup)?|\.htpasswd|secrets?\.(?:ya?ml|json|env|txt|toml))$|^\/etc\/(?:shadow|gshadow|master\.passwd|sudoers)$|^\/proc\/(?:self|\d+|\*|\$\$)\/environ$|^\/(?:var\/)?run\/secrets(?:\/|$)/;

/** Whether the text of a path (as written or resolved) names a credential file or folder. */
export function isSecretPath(text: string): boolean {
  if (text.length === 0 || text.length > 4_096) return false;
  const path = text.replace(/\/+$/, '');
  return SECRET_PATH.test(path === '' ? '/' : path);
}
