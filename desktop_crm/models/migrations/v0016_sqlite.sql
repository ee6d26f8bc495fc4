-- Step 16 (a look salespeople enjoy): a contact's photo, shown in the card header instead of the
-- initials; a PNG or JPEG of at most 256 px a side (the service downscales and checks it).
-- Frozen SQL, generated once from the models of step 16; never edit after release.
ALTER TABLE "contact" ADD COLUMN "photo" BLOB;
