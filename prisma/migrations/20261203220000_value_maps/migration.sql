-- Value maps (值映射, issue #13): named tables of source value → target value for the template
-- filter map('名称'). Entries are a jsonb array on the map's row (saved and loaded whole; see
-- schema.prisma); content_hash goes into the engine's mapping key.
-- CreateTable
CREATE TABLE "value_maps" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "default_value" TEXT,
    "entries" JSONB NOT NULL DEFAULT '[]',
    "entry_count" INTEGER NOT NULL DEFAULT 0,
    "content_hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "value_maps_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "value_maps_name_key" ON "value_maps"("name");
