module github.com/cgru/cgru

go 1.26
