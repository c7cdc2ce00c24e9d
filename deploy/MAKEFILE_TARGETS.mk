# Production operations; included by the Makefile. Logic lives in scripts/.
# One line per target; the text after "##" is a shell comment that `make help` shows.
.PHONY: generate-keys prod-build prod-up prod-down prod-health prod-logs backup restore check-deploy

generate-keys: ; scripts/generate-keys.sh ## Write strong production secrets to .env (keeps existing values).
prod-build: ; scripts/prod-build.sh ## Build the production images (docker compose).
prod-up: ; scripts/prod-up.sh ## Start the production stack (docker compose, detached).
prod-down: ; scripts/prod-down.sh ## Stop the production stack.
prod-health: ; scripts/prod-health.sh ## Check the running production stack's health and readiness.
prod-logs: ; scripts/prod-logs.sh ## Follow the production stack's logs.
backup: ; scripts/backup.sh ## Dump the production database to backups/.
restore: ; scripts/restore.sh "$(FILE)" ## Restore the production database from FILE=backups/….
check-deploy: ; scripts/check-deploy.sh ## Static checks of compose, nginx and Kubernetes files.
