# One image for web, worker and the migrate/seed step (see docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1 \
    PRISMA_SCHEMA_ENGINE_BINARY=/app/package.json
COPY . .
RUN npm ci --no-audit --no-fund && npx turbo run build --filter=@qiao/web --filter=@qiao/worker
ENV NODE_ENV=production
EXPOSE 3000
CMD ["npm", "run", "start", "-w", "@qiao/web"]
