"""Finding media files in the user's folders and keeping the database in step with them."""
