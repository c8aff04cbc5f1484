"""gridgov: county–township integrated grassroots governance (县乡一体、条抓块统)."""
