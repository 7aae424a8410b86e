terraform {
  required_version = ">= 1.9"

  required_providers {
    # content_file/content_sha256 and keep_bindings need a v5 release from 5.10 on; the attribute names are
    # checked against the v5.22 schema (test/terraform/cloudflare-v5-allowlist.ts).
    cloudflare = {
      source  = "cloudflare/cloudflare"
      version = "~> 5.22"
    }
  }
}
