# Production operations; included by the Makefile. Logic lives in scripts/.
.PHONY: generate-keys prod-build prod-up prod-down prod-health prod-logs backup restore check-deploy

generate-keys: ; scripts/generate-keys.sh
prod-build: ; scripts/prod-build.sh
prod-up: ; scripts/prod-up.sh
prod-down: ; scripts/prod-down.sh
prod-health: ; scripts/prod-health.sh
prod-logs: ; scripts/prod-logs.sh
backup: ; scripts/backup.sh
restore: ; scripts/restore.sh "$(FILE)"
check-deploy: ; scripts/check-deploy.sh
