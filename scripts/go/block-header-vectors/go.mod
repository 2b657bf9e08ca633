module blockheadervectors

go 1.22
